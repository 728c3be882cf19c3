#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto (run by go generate): protoc from
# Debian's protobuf-compiler, protoc-gen-go at the version go.mod requires.
set -eu
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
PATH="$bin:$PATH" protoc --go_out=. --go_opt=paths=source_relative \
  --go_opt=Monnx.proto=github.com/shardnet/shardnet/internal/export/onnxpb onnx.proto
