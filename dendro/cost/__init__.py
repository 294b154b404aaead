"""`dendro cost`: a monthly estimate of a pipeline's AWS bill from its daily volume.

`prices.py` holds every published price used, in one place, each with its source and the date it was
read; `estimate.py` is pure arithmetic over them and the stated usage assumptions.
"""
