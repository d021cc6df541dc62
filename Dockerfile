# One image definition for every Platter binary; SERVICE picks the package:
#   subgraphs/customer ... subgraphs/cloudmanager, router/cmd/router, stack/cmd/platter
FROM golang:1.26.8-bookworm AS build
ARG SERVICE
WORKDIR /src
COPY . .
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<package dir>" >&2; exit 1)
RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/app ./${SERVICE}

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER nonroot:nonroot
ENTRYPOINT ["/app"]
