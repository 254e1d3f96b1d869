#!/usr/bin/env bash
# The cmocka suites, cross-built for arm64, under qemu-user (or natively on
# an arm64 machine): `make test-arm64-unit` alone, and part of `make test`.
# Ends with tests/run.sh's "N passed, N failed".
cd "$(dirname "$0")/../.."
if [ -z "${ARM64_BUILD:-}" ]; then
	[ "$(uname -m)" = aarch64 ] && ARM64_BUILD=build || ARM64_BUILD=build/arm64
fi
wrapper=
[ "$(uname -m)" = aarch64 ] || wrapper=qemu-aarch64
if ! ls "$ARM64_BUILD"/tests/test_* >/dev/null 2>&1; then
	echo "no arm64 unit tests in $ARM64_BUILD/tests (make ARCH=arm64 unit-tests)"
	echo "0 passed, 1 failed"
	exit 1
fi
BUILD=$ARM64_BUILD TEST_WRAPPER=$wrapper exec tests/run.sh --unit
