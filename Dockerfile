# syntax=docker/dockerfile:1
# Build: a static binary with the templates, assets and migrations embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/poslink ./cmd/poslink

# Run: nothing but the binary and CA certificates, as a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/poslink /usr/local/bin/poslink
USER nonroot:nonroot
ENV POSLINK_ADDR=0.0.0.0:8080 \
    POSLINK_LOG_FORMAT=json
EXPOSE 8080
# serve migrates on start; other commands: docker run --entrypoint /usr/local/bin/poslink IMAGE migrate status
ENTRYPOINT ["/usr/local/bin/poslink", "serve"]
