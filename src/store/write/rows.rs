//! The one-row inserts a check repeats for every page, as [`Table`]s: PostgreSQL takes each
//! table's rows together ([`crate::store::sql::Db::defer_row`]). Ranks put a table after the
//! tables its rows refer to.

use crate::store::sql::Table;

/// A new version of a page, with the id `Tx::next_snapshot_id` gave it.
pub(super) static SNAPSHOT: Table = Table::new(
    "snapshot",
    &[
        ("id", "int8"),
        ("url", "text"),
        ("sha256", "text"),
        ("final_url", "text"),
        ("status", "int8"),
        ("headers", "bytea"),
        ("body", "bytea"),
        ("size", "int8"),
        ("first_seen", "text"),
        ("last_seen", "text"),
        ("dict", "int8"),
        ("content_key", "text"),
    ],
    "",
    &[1, 2],
    0,
);

pub(super) static PAGE: Table = Table::new(
    "page",
    &[
        ("url", "text"),
        ("source", "text"),
        ("role", "text"),
        ("snapshot", "int8"),
        ("etag", "text"),
        ("last_modified", "text"),
        ("last_error", "text"),
    ],
    "ON CONFLICT (url) DO UPDATE SET source = excluded.source, role = excluded.role,
        snapshot = excluded.snapshot, etag = excluded.etag,
        last_modified = excluded.last_modified, last_error = NULL",
    &[0],
    1,
);

pub(super) static SIGHTING: Table = Table::new(
    "sighting",
    &[("snapshot", "int8"), ("at", "text")],
    "ON CONFLICT (snapshot) DO UPDATE SET at = excluded.at",
    &[0],
    1,
);

pub(super) static ANNOUNCEMENT: Table = Table::new(
    "announcement",
    &[
        ("key", "text"),
        ("authorities", "text"),
        ("year", "int8"),
        ("number", "int8"),
        ("title", "text"),
        ("issued", "text"),
        ("effective", "text"),
        ("snapshot", "int8"),
        ("first_seen", "text"),
        ("updated", "text"),
        ("doubts", "text"),
    ],
    "ON CONFLICT (key) DO UPDATE SET authorities = excluded.authorities, year = excluded.year,
        number = excluded.number, title = excluded.title, issued = excluded.issued,
        effective = excluded.effective, snapshot = excluded.snapshot, updated = excluded.updated,
        doubts = excluded.doubts",
    &[0],
    1,
);

pub(super) static ENTRY: Table = Table::new(
    "entry",
    &[
        ("announcement", "text"),
        ("regime", "text"),
        ("code", "text"),
        ("position", "int8"),
        ("description", "text"),
        ("item_type", "text"),
        ("hs_codes", "text"),
        ("clause", "text"),
        ("removal", "int8"),
    ],
    "ON CONFLICT (announcement, regime, code) DO UPDATE SET
        position = excluded.position, description = excluded.description,
        item_type = excluded.item_type, hs_codes = excluded.hs_codes, clause = excluded.clause,
        removal = excluded.removal
     WHERE (entry.position, entry.description, entry.item_type, entry.hs_codes,
            entry.clause, entry.removal)
        IS DISTINCT FROM (excluded.position, excluded.description, excluded.item_type,
                excluded.hs_codes, excluded.clause, excluded.removal)",
    &[0, 1, 2],
    2,
);

/// The entries of an announcement that has none yet.
pub(super) static NEW_ENTRY: Table = Table::new("entry", ENTRY.columns, "", ENTRY.key, 2);

pub(super) static RELATION: Table = Table::new(
    "relation",
    &[
        ("announcement", "text"),
        ("position", "int8"),
        ("kind", "text"),
        ("target", "text"),
        ("from_date", "text"),
        ("until_date", "text"),
        ("scope", "text"),
    ],
    "",
    &[0, 1],
    2,
);

pub(super) static VERSION: Table = Table::new(
    "announcement_version",
    &[
        ("announcement", "text"),
        ("version", "int8"),
        ("snapshot", "int8"),
        ("text", "bytea"),
        ("observed_at", "text"),
        ("dict", "int8"),
    ],
    "",
    &[0, 1],
    2,
);

pub(super) static ANNOUNCEMENT_URL: Table = Table::new(
    "announcement_url",
    &[
        ("announcement", "text"),
        ("url", "text"),
        ("first_seen", "text"),
    ],
    "ON CONFLICT DO NOTHING",
    &[0, 1],
    2,
);

pub(super) static CHANGE: Table = Table::new(
    "change",
    &[
        ("uid", "text"),
        ("kind", "text"),
        ("regime", "text"),
        ("code", "text"),
        ("announcement", "text"),
        ("before", "text"),
        ("after", "text"),
        ("url", "text"),
        ("snapshot", "int8"),
        ("observed_at", "text"),
    ],
    "ON CONFLICT (uid) DO NOTHING",
    &[0],
    1,
);

/// `entry_status`'s columns, as both its inserts write them.
const ENTRY_STATUS_COLUMNS: &[(&str, &str)] = &[
    ("regime", "text"),
    ("code", "text"),
    ("status", "text"),
    ("status_by", "text"),
    ("until", "text"),
];

/// A code whose status the next status pass compares again.
pub(super) static STATUS_DIRTY: Table = Table::new(
    "status_dirty",
    &[("regime", "text"), ("code", "text")],
    "ON CONFLICT DO NOTHING",
    &[0, 1],
    0,
);

/// A status of a code that has none stored (the status pass read them all first): a plain
/// insert, cheaper on the server than the upsert below (a first pass writes thousands).
pub(super) static ENTRY_STATUS_NEW: Table =
    Table::new("entry_status", ENTRY_STATUS_COLUMNS, "", &[0, 1], 0);

pub(super) static ENTRY_STATUS: Table = Table::new(
    "entry_status",
    ENTRY_STATUS_COLUMNS,
    "ON CONFLICT (regime, code) DO UPDATE SET status = excluded.status,
        status_by = excluded.status_by, until = excluded.until",
    &[0, 1],
    0,
);
