import assert from "node:assert/strict";
import { modelPath } from "../../providers/api_key/gemini.ts";
import { pathSegment, pathSegments } from "../../providers/url.ts";

Deno.test("pathSegment() keeps a value inside one path segment", () => {
  assert.equal(pathSegment("gemini-2.5-flash"), "gemini-2.5-flash");
  assert.equal(pathSegment("../../evil"), "..%2F..%2Fevil");
  assert.equal(pathSegment(".."), "%2E%2E");
  assert.equal(pathSegment("x?key=1#"), "x%3Fkey%3D1%23");
  assert.equal(pathSegment("%2e%2e"), "%252e%252e");
  assert.equal(pathSegment("a\\b"), "a%5Cb");
  assert.equal(pathSegment("it's(*)!"), "it%27s%28%2A%29%21");
  assert.equal(pathSegments(["models", "a/b"]), "models/a%2Fb");
});

Deno.test("Gemini's modelPath() encodes the model id, whatever the client sent", () => {
  assert.equal(modelPath("gemini-2.5-flash"), "models/gemini-2.5-flash");
  assert.equal(modelPath("models/gemini-2.5-flash"), "models/gemini-2.5-flash");
  assert.equal(modelPath("tunedModels/my-model"), "tunedModels/my-model");
  assert.equal(modelPath("../../../evil"), "models/..%2F..%2F..%2Fevil");
  const url = new URL(`https://host/v1beta/${modelPath("../../evil?key=x#")}:generateContent`);
  assert.equal(url.pathname, "/v1beta/models/..%2F..%2Fevil%3Fkey%3Dx%23:generateContent");
  assert.equal(url.search, "");
});
