# Image of service-logs. Build from the repository root (the whole Cargo workspace is the context):
#
#     docker build -f deploy/docker/service-logs.Dockerfile -t service-logs:dev .
#
# One file per service rather than one with a build argument: an exec-form ENTRYPOINT cannot expand an ARG,
# and each image should name its own binary and port. The build stages are identical in both files apart
# from the package name, so a change to one is easy to carry to the other.
#
# Stages:
#   chef     Rust toolchain + cargo-chef (pinned)
#   planner  reduces the workspace to a recipe: manifests and Cargo.lock, no sources
#   builder  compiles the dependencies from the recipe alone (a cached layer that only a change of a manifest
#            or of Cargo.lock invalidates), then the service itself, in release mode
#   runtime  distroless "cc" (glibc, libgcc, CA certificates, tzdata; no shell, no package manager),
#            user 65532 (nonroot), the binary alone
#
# The builder is Debian 12 (bookworm) like the runtime, so the binary links against the same glibc.
# Migrations are embedded in the binary (diesel's embed_migrations!): nothing else is copied.

FROM rust:1.95-slim-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --package service-logs --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --package service-logs --bin service-logs \
    && install -D -m 0755 target/release/service-logs /out/service-logs

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=builder /out/service-logs /usr/local/bin/service-logs
USER 65532:65532
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/service-logs"]
CMD ["serve"]
