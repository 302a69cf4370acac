// A remote app's webhook endpoint that verifies with the Standard Webhooks reference
// library for JavaScript (the `standardwebhooks` npm package), run as its own process by
// the tests; the same contract as ../receivers/python_receiver.py:
// WEBHOOK_SECRETS (space-separated) in the environment; prints `listening <port>`;
// POST /webhooks answers 200 when the first secret verifies, 401 otherwise;
// GET /received lists the headers, the raw body and per secret "ok" or the error.
import http from "node:http";
import { Webhook } from "standardwebhooks";

const verifiers = process.env.WEBHOOK_SECRETS.split(/\s+/).filter(Boolean).map((s) => new Webhook(s));
const received = [];

function verdict(verifier, body, headers) {
  try {
    verifier.verify(body, headers);
    return "ok";
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
}

function answer(response, status, payload) {
  const data = JSON.stringify(payload);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(data),
  });
  response.end(data);
}

const server = http.createServer((request, response) => {
  if (request.method === "GET") {
    answer(response, 200, received);
    return;
  }
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const results = verifiers.map((verifier) => verdict(verifier, body, request.headers));
    received.push({ headers: request.headers, body, results });
    answer(response, results[0] === "ok" ? 200 : 401, { results });
  });
});

server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
