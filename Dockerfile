# parleywire worker image. Build: docker build -t parleywire .
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake libssl-dev pkg-config zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --bin parleywire

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 zlib1g && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/parleywire /usr/local/bin/parleywire
COPY config /etc/parleywire
WORKDIR /etc/parleywire
ENV PARLEYWIRE_CONFIG=/etc/parleywire/parleywire.toml \
    PARLEYWIRE_CONFIG_DIR=/etc/parleywire \
    PARLEYWIRE_METRICS_ADDR=0.0.0.0:9464
EXPOSE 9464
ENTRYPOINT ["parleywire"]
CMD ["run"]
