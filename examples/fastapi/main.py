"""A FastAPI app for AWS Lambda behind the Lambda Web Adapter, in response-streaming mode.

Locally: `PORT=8080 python3 -m uvicorn main:app --port 8080`. The adapter turns each Lambda event into
an HTTP request, and streams the response back as the app writes it (AWS_LWA_INVOKE_MODE=response_stream).
"""
import asyncio
import json

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

app = FastAPI(title="lwa FastAPI example")

# In memory, per execution environment: Lambda keeps this process between invocations.
BOOKS = {1: {"id": 1, "title": "The Pragmatic Programmer"}}


class NewBook(BaseModel):
    title: str


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/books")
def list_books():
    return list(BOOKS.values())


@app.get("/books/{book_id}")
def get_book(book_id: int):
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail=f"no book {book_id}")
    return BOOKS[book_id]


@app.post("/books", status_code=201)
def add_book(book: NewBook, response: Response):
    new = {"id": max(BOOKS) + 1, "title": book.title}
    BOOKS[new["id"]] = new
    response.headers["Location"] = f"/books/{new['id']}"
    response.set_cookie("last_book", str(new["id"]), httponly=True)
    return new


@app.get("/ticks")
async def ticks(n: int = 5, interval: float = 0.2):
    """Server-sent events: one event every `interval` seconds, each sent as soon as it is made."""
    n = max(1, min(n, 100))
    interval = max(0.0, min(interval, 5.0))

    async def events():
        for i in range(1, n + 1):
            yield f"id: {i}\nevent: tick\ndata: {json.dumps({'tick': i, 'of': n})}\n\n"
            if i < n:
                await asyncio.sleep(interval)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache"})
