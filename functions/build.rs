//! The build script of every function crate (`build = "../build.rs"`): links the Lambda bootstrap as a
//! position-dependent executable, so the loader applies no relocations to it at start-up
//! (docs/decisions/0015-bootstrap-start-up.md).

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
