"""Delivery: each channel has its own worker thread and queue, so a webhook that hangs or fails never
delays the email (or the next evaluation); each delivery is retried with back-off, then given up with
the reason recorded.
"""

from __future__ import annotations

import os
import queue
import smtplib
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from dendro.alerts.message import Notification
from dendro.alerts.rules import EmailChannel, SmtpSettings, WebhookChannel

ATTEMPTS = 4
BACKOFF = (1.0, 4.0, 15.0)  # seconds before the 2nd, 3rd and 4th attempt
WEBHOOK_TIMEOUT = 5.0


class DeliveryError(RuntimeError):
    """One attempt failed; `retry` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


def post_webhook(
    channel: WebhookChannel, notification: Notification, timeout: float = WEBHOOK_TIMEOUT
) -> None:
    headers = {"Content-Type": "application/json", "User-Agent": "dendro-alerts"}
    for name, value in channel.headers.items():
        headers[name] = os.environ.get(value[4:], "") if value.startswith("env:") else value
    request = urllib.request.Request(
        channel.webhook, data=orjson.dumps(notification.payload()), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) checked)
            response.read(65536)
    except urllib.error.HTTPError as error:
        # 4xx but 408/429: the receiver refuses this payload; sending it again will not help.
        retry = error.code >= 500 or error.code in (408, 429)
        raise DeliveryError(f"{channel.label} answered HTTP {error.code}", retry=retry) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{channel.label} unreachable: {reason}") from None


def send_email(smtp: SmtpSettings, channel: EmailChannel, notification: Notification) -> None:
    message = notification.email(smtp.sender, channel.email)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                password = os.environ.get(smtp.password_env or "", "")
                client.login(smtp.username, password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(f"{channel.label}: SMTP login refused ({error.smtp_code})", retry=False) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{channel.label}: {error}") from None


@dataclass(frozen=True)
class Delivery:
    """The outcome of one notification on one channel, for the Alerts page and `dendro alerts test`."""

    channel: str
    title: str
    ok: bool
    attempts: int
    error: str | None
    at: str


Send = Callable[[Notification], None]


class ChannelWorker:
    def __init__(
        self,
        label: str,
        send: Send,
        record: Callable[[Delivery], None],
        backoff: Sequence[float] = BACKOFF,
    ) -> None:
        self.label = label
        self._send = send
        self._record = record
        self._backoff = backoff
        self._queue: queue.Queue[Notification | None] = queue.Queue(maxsize=1000)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"dendro-notify {label}", daemon=True)
        self._thread.start()

    def submit(self, notification: Notification) -> None:
        try:
            self._queue.put_nowait(notification)
        except queue.Full:  # a channel down for hours: drop the newest rather than grow without end
            self._record(_delivery(self.label, notification, False, 0, "queue full; channel down?"))

    def deliver(self, notification: Notification) -> Delivery:
        """Send now, in this thread, with the retries; returns the outcome."""
        error: str | None = None
        for attempt in range(1, len(self._backoff) + 2):
            try:
                self._send(notification)
                return _delivery(self.label, notification, True, attempt, None)
            except DeliveryError as failure:
                error = str(failure)
                if (
                    not failure.retry
                    or attempt > len(self._backoff)
                    or self._stop.wait(self._backoff[attempt - 1])
                ):
                    return _delivery(self.label, notification, False, attempt, error)
        return _delivery(self.label, notification, False, len(self._backoff) + 1, error)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._record(self.deliver(item))

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued (retries cut short), then end the thread."""
        self._stop.set()
        self._queue.put(None)
        self._thread.join(timeout)


def _delivery(label: str, notification: Notification, ok: bool, attempts: int, error: str | None) -> Delivery:
    return Delivery(label, notification.title, ok, attempts, error, datetime.now(UTC).isoformat())


class Dispatcher:
    """Fans each notification out to every channel; keeps the last deliveries for the Alerts page."""

    def __init__(
        self,
        webhooks: Sequence[WebhookChannel],
        emails: Sequence[EmailChannel],
        smtp: SmtpSettings | None,
        *,
        backoff: Sequence[float] = BACKOFF,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.recent: deque[Delivery] = deque(maxlen=200)
        self._lock = threading.Lock()
        self._log = log or (lambda line: print(line, file=sys.stderr))
        self.workers: list[ChannelWorker] = []
        for hook in webhooks:
            self.workers.append(
                ChannelWorker(hook.label, lambda n, h=hook: post_webhook(h, n), self._record, backoff)
            )
        if smtp is not None:
            for mail in emails:
                self.workers.append(
                    ChannelWorker(mail.label, lambda n, m=mail: send_email(smtp, m, n), self._record, backoff)
                )

    def _record(self, delivery: Delivery) -> None:
        with self._lock:
            self.recent.append(delivery)
        if not delivery.ok:
            self._log(f"alert not delivered to {delivery.channel}: {delivery.error} ({delivery.title})")

    def submit(self, notification: Notification) -> None:
        for worker in self.workers:
            worker.submit(notification)

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self.recent)

    def test(self, notification: Notification) -> list[Delivery]:
        """`dendro alerts test`: every channel at once (in parallel), waiting for each outcome."""
        results: list[Delivery] = []
        threads = [
            threading.Thread(target=lambda w=w: results.append(w.deliver(notification))) for w in self.workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(results, key=lambda d: d.channel)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def wait_idle(dispatcher: Dispatcher, count: int, timeout: float = 10.0) -> list[Delivery]:
    """Until `count` deliveries are recorded (tests and `alerts test`)."""
    deadline = time.monotonic() + timeout
    while len(dispatcher.deliveries()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return dispatcher.deliveries()
