module github.com/shardnet/shardnet/scripts/avx512-emulated/init

go 1.26
