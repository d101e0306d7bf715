//! Log entries as an auditor downloads them.
#![no_main]

use amanat_protocol::log::entry::Entry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Entry::decode(data) {
        assert_eq!(e.encode(), data, "decode/encode must round-trip exactly");
        if let Entry::PoaAcknowledged(a) = e {
            let _ = a.verify();
        }
    }
});
