//! The time PostgreSQL takes to create regwatch's schema in a new database, as a first check pays
//! it (`regwatch::store::pg::migrate_schema`, one transaction). `bash bench/pgschema.sh` starts a
//! server of its own, with the disk synced and without, and runs this on fresh databases.
use std::time::Instant;
fn main() {
    let url = std::env::args()
        .nth(1)
        .expect("usage: pgschema DATABASE_URL");
    let mut client = regwatch::store::pg::connect(&url).unwrap();
    let t = Instant::now();
    regwatch::store::pg::migrate_schema(&mut client).unwrap();
    println!("{:.1}", t.elapsed().as_secs_f64() * 1e3);
}
