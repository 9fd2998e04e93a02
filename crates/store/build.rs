//! `sqlx::migrate!` embeds the migrations at compile time, but stable Rust cannot tell Cargo
//! that it read them: without this, an edited migration would not rebuild the crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
