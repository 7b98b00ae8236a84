# syntax=docker/dockerfile:1.7
# The proxy as one self-contained binary in a small image, run as a non-root user.
#   docker build -t llm-proxy .
#   docker run -p 8000:8000 -v "$PWD/data:/data" llm-proxy
# The data directory (/data) holds .env, usage/, logs/ and oauth_creds/; mount it (or each of them).

# Build stage: `deno compile` embeds the program, its npm dependencies (as pinned by deno.lock) and the
# server's Worker entry into one executable for this image's architecture.
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
ARG PROXY_VERSION=""
ARG PROXY_COMMIT=""
RUN if [ -n "$PROXY_VERSION$PROXY_COMMIT" ]; then \
      printf 'export const BUILD_INFO = { version: "%s", commit: "%s" } as const;\n' \
        "${PROXY_VERSION:-dev}" "${PROXY_COMMIT:-unknown}" > lib/build_info.ts; \
    fi \
 && deno task compile:host \
 && /src/dist/proxy --version

# Run stage: glibc, CA certificates for the providers' TLS, curl for the health check, and nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin proxy \
 && mkdir -p /data \
 && chown proxy:proxy /data
COPY --from=build /src/dist/proxy /usr/local/bin/proxy
USER proxy
WORKDIR /data
VOLUME ["/data"]
ENV PROXY_HOST=0.0.0.0 \
    PROXY_PORT=8000 \
    PROXY_DATA_DIR=/data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PROXY_PORT}/health" >/dev/null || exit 1
# SIGTERM lets streams in flight finish (SHUTDOWN_GRACE_SECONDS) and saves usage before exiting.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/proxy"]
CMD ["serve"]
