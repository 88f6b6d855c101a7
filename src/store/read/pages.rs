//! Stored page versions: their bytes and headers, decompressed.

use super::*;

pub(in crate::store) fn snapshot_body(
    conn: &Db,
    id: i64,
) -> Result<(Vec<u8>, Headers), StoreError> {
    let (body, headers, dict): (Vec<u8>, crate::store::sql::Value, Option<Vec<u8>>) = conn
        .query_row(
            "SELECT s.body, s.headers, z.body FROM snapshot s LEFT JOIN zdict z ON z.id = s.dict
             WHERE s.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let dict = dict.map(|d| evidence::unpack(&d, None)).transpose()?;
    Ok((
        evidence::unpack(&body, dict.as_deref())?,
        serde_json::from_str(&evidence::unpack_headers(headers)?)?,
    ))
}

pub(in crate::store) fn page_body(conn: &Db, url: &str) -> Result<Option<StoredPage>, StoreError> {
    let row = conn
        .query_row(
            "SELECT s.id, s.sha256, CASE s.final_url WHEN '' THEN s.url ELSE s.final_url END
             FROM page p JOIN snapshot s ON s.id = p.snapshot
             WHERE p.url = ?1",
            [url],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )
        .optional()?;
    let Some((snapshot, sha256, final_url)) = row else {
        return Ok(None);
    };
    let (body, headers) = snapshot_body(conn, snapshot)?;
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone());
    Ok(Some(StoredPage {
        snapshot,
        sha256,
        final_url,
        body,
        content_type,
    }))
}
