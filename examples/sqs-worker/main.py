"""An SQS worker for AWS Lambda behind the Lambda Web Adapter: a FastAPI app, no Lambda handler.

SQS invokes the function with batches of messages; the adapter POSTs each batch, as it came, to the
pass-through path (AWS_LWA_PASS_THROUGH_PATH, /events) and returns the app's JSON as the invocation's
result. The app reports the messages it could not process in `batchItemFailures`, so that SQS deletes
the others and delivers only those again (the event source mapping's ReportBatchItemFailures).
When the whole batch cannot be processed (here: the order store is unavailable), the app answers 503;
AWS_LWA_ERROR_STATUS_CODES makes that a failed invocation, so SQS retries the whole batch.
"""
import json
import os
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request

app = FastAPI(title="lwa SQS worker example")

# Where orders go: a file under /tmp, the only writable path on Lambda (a database in a real app).
ORDERS = Path(os.environ.get("ORDERS_DIR", "/tmp/orders")) / "orders.jsonl"


def parse_order(body: str) -> dict:
    """An order message: {"orderId": str, "quantity": int > 0}. Raises ValueError otherwise."""
    order = json.loads(body)
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), str):
        raise ValueError("orderId missing")
    if not isinstance(order.get("quantity"), int) or order["quantity"] <= 0:
        raise ValueError("quantity must be a positive integer")
    return {"orderId": order["orderId"], "quantity": order["quantity"]}


@app.post("/events")
async def sqs_batch(request: Request):
    event = await request.json()
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise HTTPException(status_code=400, detail="not an SQS event")
    try:
        ORDERS.parent.mkdir(parents=True, exist_ok=True)
        store = ORDERS.open("a", encoding="utf-8")
    except OSError as err:
        # Nothing in this batch can be processed: fail the invocation, SQS retries the batch.
        raise HTTPException(status_code=503, detail=f"order store unavailable: {err.strerror}")
    failures = []
    with store:
        for record in records:
            try:
                order = parse_order(record["body"])
            except (ValueError, KeyError, TypeError) as err:
                print(f"message {record.get('messageId')}: {err}", flush=True)
                failures.append({"itemIdentifier": record.get("messageId")})
                continue
            store.write(json.dumps({**order, "messageId": record["messageId"]}) + "\n")
    return {"batchItemFailures": failures}


@app.get("/orders")
def orders():
    """What the worker stored so far, for looking at (and for the tests)."""
    if not ORDERS.exists():
        return []
    return [json.loads(line) for line in ORDERS.read_text(encoding="utf-8").splitlines()]


@app.get("/health")
def health():
    return {"status": "ok"}
