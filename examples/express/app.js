// An Express JSON API for AWS Lambda behind the Lambda Web Adapter: the same app runs locally with
// `node app.js`. The adapter turns each Lambda event into an HTTP request to this server.
'use strict';

const path = require('node:path');
const express = require('express');
const cookieParser = require('cookie-parser');

const app = express();
app.use(express.json());
app.use(cookieParser());

// In memory, per execution environment: Lambda keeps this process between invocations.
const items = new Map([
  ['1', { id: '1', name: 'coffee', price: 3.5 }],
  ['2', { id: '2', name: 'tea', price: 2.75 }],
]);
let nextID = 3;
// How many times each POST (by its client-chosen "ref") was handled: a retried request shows here.
const handled = new Map();

app.get('/', (req, res) => {
  res.json({ service: 'express-example', items: items.size });
});

app.get('/items', (req, res) => {
  res.json([...items.values()]);
});

app.get('/items/:id', (req, res) => {
  const item = items.get(req.params.id);
  if (!item) {
    res.status(404).json({ error: `no item ${req.params.id}` });
    return;
  }
  res.json(item);
});

app.post('/items', (req, res) => {
  const { name, price, ref } = req.body || {};
  if (typeof name !== 'string' || typeof price !== 'number') {
    res.status(400).json({ error: 'want {"name": string, "price": number}' });
    return;
  }
  if (ref !== undefined) {
    handled.set(String(ref), (handled.get(String(ref)) || 0) + 1);
  }
  const item = { id: String(nextID++), name, price };
  items.set(item.id, item);
  res.cookie('last_item', item.id, { httpOnly: true, sameSite: 'lax', path: '/' });
  res.status(201).location(`/items/${item.id}`).json(item);
});

app.get('/handled', (req, res) => {
  res.json(Object.fromEntries(handled));
});

// Cookies in both directions: the visit counter comes back in the request, two cookies go out.
app.get('/session', (req, res) => {
  const visits = Number(req.cookies.visits || 0) + 1;
  res.cookie('visits', String(visits), { path: '/' });
  res.cookie('theme', req.cookies.theme || 'light', { path: '/', maxAge: 86400000 });
  res.json({ visits, theme: req.cookies.theme || null });
});

// A binary body: Lambda's response is base64-encoded by the adapter and decoded by API Gateway.
app.get('/logo.png', (req, res) => {
  res.sendFile(path.join(__dirname, 'public', 'logo.png'));
});

app.use((req, res) => {
  res.status(404).json({ error: 'not found', path: req.path });
});

// The adapter's default port is 8080; PORT (or AWS_LWA_PORT) moves both.
const port = Number(process.env.PORT || process.env.AWS_LWA_PORT || 8080);
// Node closes idle keep-alive connections after 5 s (server.keepAliveTimeout); the adapter copes
// with that between invocations, so the default is kept.
app.listen(port, '127.0.0.1', () => {
  console.log(`express-example listening on 127.0.0.1:${port}`);
});
