/**
 * The native client over TLS: a local HTTPS server whose certificate a test CA signed (made with
 * `openssl` for this run). Trusted when the CA is passed, refused when it is not.
 */
import assert from "node:assert/strict";
import { HttpClient } from "../../../lib/http/mod.ts";

interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const result = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" }).output();
  if (!result.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(result.stderr)}`);
  }
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it. */
async function makeCertificates(): Promise<TestCertificates> {
  const dir = await Deno.makeTempDir({ prefix: "http-tls-test-" });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    await openssl([
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=Test CA",
    ], dir);
    await openssl(
      ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
      dir,
    );
    await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    await openssl([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "san.ext",
    ], dir);
    const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
    return { ca: await read("ca.pem"), cert: await read("server.pem"), key: await read("server.key") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const certificates = await makeCertificates();

async function withHttpsServer(body: (origin: string) => Promise<void>): Promise<void> {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certificates.cert,
    key: certificates.key,
    onListen: () => {},
  }, async (request) =>
    new Response(JSON.stringify({ echo: await request.text() }), {
      headers: { "content-type": "application/json" },
    }));
  try {
    await body(`https://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

Deno.test("HttpClient.fetch() speaks TLS to a server whose CA it was given, reusing the connection", async () => {
  await withHttpsServer(async (origin) => {
    const client = new HttpClient({ caCerts: [certificates.ca] });
    try {
      for (let index = 0; index < 2; index++) {
        const response = await client.fetch(`${origin}/v1/chat`, { method: "POST", body: `hello ${index}` });
        assert.deepEqual(await response.json(), { echo: `hello ${index}` });
      }
      assert.equal(client.idleConnections, 1);
    } finally {
      client.close();
    }
  });
});

Deno.test("HttpClient.fetch() refuses a certificate no trusted CA signed", async () => {
  await withHttpsServer(async (origin) => {
    const client = new HttpClient();
    try {
      await assert.rejects(client.fetch(`${origin}/`), /certificate|UnknownIssuer/i);
      assert.equal(client.idleConnections, 0);
    } finally {
      client.close();
    }
  });
});
