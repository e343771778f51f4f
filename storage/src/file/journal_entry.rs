//! What a journal record says: the header naming the snapshot the journal continues, one
//! change, or the mark left when the journal was folded into a new snapshot.

use std::sync::Arc;

use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use super::fingerprint::Fingerprint;
use super::journal_line;
use super::stored_record::{StoredRecord, StoredRef};
use crate::memory::table::Edit;

/// The journal format this version writes and reads.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// The first record of every journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// The journal format ([`FORMAT_VERSION`]).
    pub(crate) version: u32,
    /// The snapshot the journal's changes apply to (`None`: no snapshot file).
    pub(crate) base: Option<Fingerprint>,
}

/// The record written just before a new snapshot replaces the old one: the snapshot with
/// fingerprint `into` holds every change recorded before byte `upto` of this journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Folded {
    /// The fingerprint of the new snapshot.
    pub(crate) into: Fingerprint,
    /// The offset of the first change the new snapshot does not hold.
    pub(crate) upto: u64,
}

/// One journal record, as read back; `R` is the record type (or `IgnoredAny` to skip records).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase", bound = "R: Deserialize<'de>")]
pub(crate) enum Entry<R> {
    /// The first record.
    Journal(Header),
    /// One change: removals, then puts.
    Change {
        /// Ids removed (missing ids are ignored).
        del: Vec<String>,
        /// Records stored (replacing in place, or appended).
        put: Vec<R>,
    },
    /// The journal was folded into a snapshot; nothing follows.
    Folded(Folded),
}

/// One journal record, as written (borrowing what it records).
#[derive(Serialize)]
#[serde(rename_all = "lowercase", bound = "R: StoredRecord")]
enum EntryRef<'a, R> {
    Journal(&'a Header),
    Change {
        del: &'a [String],
        #[serde(serialize_with = "shared_records")]
        put: &'a [Arc<R>],
    },
    Folded(&'a Folded),
}

fn shared_records<R: StoredRecord, S: Serializer>(
    records: &&[Arc<R>],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(records.len()))?;
    for record in records.iter() {
        seq.serialize_element(&StoredRef(&**record))?;
    }
    seq.end()
}

/// Appends the header record to `out`.
pub(crate) fn encode_header(header: &Header, out: &mut Vec<u8>) -> serde_json::Result<()> {
    encode::<domain::User>(&EntryRef::Journal(header), out)
}

/// Appends the record of `edit` to `out`.
pub(crate) fn encode_change<R>(edit: &Edit<R>, out: &mut Vec<u8>) -> serde_json::Result<()>
where
    R: StoredRecord + crate::memory::table::Keyed,
{
    encode(
        &EntryRef::Change {
            del: edit.removals(),
            put: edit.puts(),
        },
        out,
    )
}

/// Appends the fold mark to `out`.
pub(crate) fn encode_folded(folded: &Folded, out: &mut Vec<u8>) -> serde_json::Result<()> {
    encode::<domain::User>(&EntryRef::Folded(folded), out)
}

fn encode<R: StoredRecord>(entry: &EntryRef<'_, R>, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let payload = serde_json::to_vec(entry)?;
    journal_line::encode(&payload, out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::UserSession;
    use serde::de::IgnoredAny;

    use super::*;

    fn payload(line: &[u8]) -> &[u8] {
        journal_line::decode(line).expect("a valid line")
    }

    #[test]
    fn every_entry_reads_back() {
        let header = Header {
            version: FORMAT_VERSION,
            base: Some(Fingerprint { len: 3, crc: 7 }),
        };
        let mut out = Vec::new();
        encode_header(&header, &mut out).expect("serialises");
        assert!(out.ends_with(b"{\"journal\":{\"version\":1,\"base\":{\"len\":3,\"crc\":7}}}\n"));
        match serde_json::from_slice::<Entry<IgnoredAny>>(payload(&out)) {
            Ok(Entry::Journal(read)) => assert_eq!(read, header),
            other => panic!("unexpected {other:?}"),
        }

        let session = UserSession::new("u", "2020-01-01T00:00:00".parse().expect("valid"));
        let mut edit = Edit::remove(vec!["gone".into()]);
        edit = Edit::from_parts(edit.removals().to_vec(), vec![session.clone()]);
        let mut out = Vec::new();
        encode_change(&edit, &mut out).expect("serialises");
        match serde_json::from_slice::<Entry<UserSession>>(payload(&out)) {
            Ok(Entry::Change { del, put }) => {
                assert_eq!(del, ["gone"]);
                assert_eq!(put, [session]);
            }
            other => panic!("unexpected {other:?}"),
        }

        let folded = Folded {
            into: Fingerprint { len: 1, crc: 2 },
            upto: 99,
        };
        let mut out = Vec::new();
        encode_folded(&folded, &mut out).expect("serialises");
        match serde_json::from_slice::<Entry<IgnoredAny>>(payload(&out)) {
            Ok(Entry::Folded(read)) => assert_eq!(read, folded),
            other => panic!("unexpected {other:?}"),
        }
    }
}
