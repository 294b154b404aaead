"""`dendro dashboard`: the screen a team opens during an outage. Home (sources, hosts, pipeline
health), RED and host charts, and a read-only SQL page with export, over the local DuckDB store or
Timestream. `app.create_app(backend)` builds the ASGI app; `server` runs it."""
