//! End-to-end tests of the order pipeline against the moto emulator: see `tests/*.rs`. Run with `make test`.
