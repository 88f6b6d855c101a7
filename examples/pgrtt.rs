//! The cost of one statement on PostgreSQL, as the store pays it: a prepared query waited for
//! (the blocking client, and the async one), and the same pipelined. `bash bench/pgrtt.sh`
//! starts a server of its own and runs this over TCP and over its Unix socket.
use std::time::Instant;
fn main() {
    let url = std::env::args().nth(1).unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let st = c.prepare("SELECT $1::bigint").unwrap();
    let t = Instant::now();
    for i in 0..10000i64 {
        c.query_one(&st, &[&i]).unwrap();
    }
    println!("sync: {:?} per query", t.elapsed() / 10000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let st = client.prepare("SELECT $1::bigint").await.unwrap();
        let t = Instant::now();
        for i in 0..10000i64 {
            client.query_one(&st, &[&i]).await.unwrap();
        }
        println!("async sequential: {:?} per query", t.elapsed() / 10000);
        let t = Instant::now();
        let futs: Vec<_> = (0..10000i64)
            .map(|i| {
                let c = &client;
                let st = &st;
                async move { c.query_one(st, &[&i]).await.unwrap() }
            })
            .collect();
        futures_util::future::join_all(futs).await;
        println!("async pipelined: {:?} per query", t.elapsed() / 10000);
    });
}
