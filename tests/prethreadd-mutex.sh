#!/bin/bash
# prethreadd-mutex: the pool tests (tests/prethreadd-pool.sh) with -l mutex.
STRATEGY=mutex
. "${TOP_SRCDIR:?run the tests through make check}/tests/prethreadd-pool.sh"
