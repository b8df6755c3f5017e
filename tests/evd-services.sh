#!/bin/bash
# evd-services: every stream service through the event loop, byte for
# byte as iterd serves it, with either way of waiting, epoll and poll.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

serves_every_service evd -e epoll
serves_every_service evd -e poll
