#!/bin/bash
# prethreadd-main: the pool tests (tests/prethreadd-pool.sh) with -l main.
STRATEGY=main
. "${TOP_SRCDIR:?run the tests through make check}/tests/prethreadd-pool.sh"
