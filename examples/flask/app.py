"""A Flask JSON API for AWS Lambda behind the Lambda Web Adapter, served by gunicorn.

The same app runs locally with `gunicorn app:app`; the adapter turns each Lambda event into an HTTP
request to it.
"""
from flask import Flask, jsonify, request, send_from_directory

app = Flask(__name__)

# In memory, per execution environment: Lambda keeps this process between invocations.
NOTES = {"1": {"id": "1", "text": "hello from Flask"}}


@app.get("/healthz")
def healthz():
    # The adapter's readiness check (AWS_LWA_READINESS_CHECK_PATH): cheap, no side effects.
    return {"status": "ok"}


@app.get("/notes")
def list_notes():
    return jsonify(list(NOTES.values()))


@app.get("/notes/<note_id>")
def get_note(note_id):
    note = NOTES.get(note_id)
    if note is None:
        return {"error": f"no note {note_id}"}, 404
    return note


@app.post("/notes")
def add_note():
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("text"), str):
        return {"error": 'want {"text": string}'}, 400
    note = {"id": str(len(NOTES) + 1), "text": body["text"]}
    NOTES[note["id"]] = note
    resp = jsonify(note)
    resp.status_code = 201
    resp.headers["Location"] = f"/notes/{note['id']}"
    resp.set_cookie("last_note", note["id"], httponly=True, samesite="Lax")
    return resp


@app.get("/whoami")
def whoami():
    user = request.cookies.get("user")
    resp = jsonify({"user": user, "query": request.args.get("greeting")})
    resp.set_cookie("seen", "yes")
    return resp


@app.get("/logo.png")
def logo():
    return send_from_directory(app.static_folder, "logo.png", mimetype="image/png")


@app.errorhandler(404)
def not_found(_err):
    return {"error": "not found", "path": request.path}, 404
