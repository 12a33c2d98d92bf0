# Build: compile against the committed offline query data in .sqlx/, so the build
# needs no database. The binary embeds migrations/.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
ENV SQLX_OFFLINE=true
COPY Cargo.toml Cargo.lock build.rs ./
COPY .cargo .cargo
COPY .sqlx .sqlx
COPY migrations migrations
COPY src src
RUN cargo build --release --locked --bin lifecycle-workflows

# Run: a small image with the binary alone, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home lcw
COPY --from=build /src/target/release/lifecycle-workflows /usr/local/bin/lifecycle-workflows
USER lcw
ENV LCW_LISTEN=0.0.0.0:8080 \
    LCW_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["lifecycle-workflows"]
CMD ["serve"]
