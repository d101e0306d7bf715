//! Diesel's view of the tables in `migrations/{sqlite,postgres}`; one schema for both
//! backends, so only types both support: Text (ids, notes), Binary (bytes), BigInt (times,
//! sizes, log indexes), SmallInt (tree levels).
//! Kept by hand, in step with the migrations (the store tests exercise every column).

diesel::table! {
    keyrings (version) {
        version -> BigInt,
        root_key -> Binary,
        body -> Binary,
        signature -> Binary,
        hash -> Binary,
        received_at -> BigInt,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        auth_key -> Binary,
        status -> Text,
        version -> BigInt,
        assignee -> Nullable<Text>,
        received_at -> BigInt,
        commitment -> Binary,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
        last_change -> Nullable<Text>,
    }
}

diesel::table! {
    grants (case_id, staff_id) {
        case_id -> Text,
        staff_id -> Text,
        ciphertext -> Binary,
    }
}

diesel::table! {
    documents (id) {
        id -> Text,
        case_id -> Text,
        kind -> Text,
        sha256 -> Binary,
        length -> BigInt,
        received_at -> BigInt,
        log_index -> Nullable<BigInt>,
    }
}

diesel::table! {
    challenges (challenge) {
        challenge -> Binary,
        public_key -> Binary,
        expires_at -> BigInt,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Binary,
        case_id -> Nullable<Text>,
        staff_id -> Nullable<Text>,
        expires_at -> BigInt,
        staff_key -> Nullable<Binary>,
    }
}

diesel::table! {
    log_head (id) {
        id -> SmallInt,
        size -> BigInt,
    }
}

diesel::table! {
    log_entries (idx) {
        idx -> BigInt,
        entry -> Binary,
        created_at -> BigInt,
    }
}

diesel::table! {
    log_nodes (level, idx) {
        level -> SmallInt,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    log_checkpoints (size) {
        size -> BigInt,
        note -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    staff_actions (log_index) {
        log_index -> BigInt,
        case_id -> Text,
        staff_id -> Text,
        action -> Text,
        at -> BigInt,
        detail -> Text,
    }
}

diesel::table! {
    web_manifests (signed_at) {
        signed_at -> BigInt,
        sha256 -> Binary,
        signature -> Binary,
        log_index -> BigInt,
        received_at -> BigInt,
    }
}

diesel::joinable!(grants -> cases (case_id));
diesel::joinable!(documents -> cases (case_id));
diesel::joinable!(staff_actions -> cases (case_id));
diesel::table! {
    log_cosignatures (size, witness) {
        size -> BigInt,
        witness -> Text,
        line -> Text,
    }
}

diesel::table! {
    root_handovers (log_index) {
        log_index -> BigInt,
        from_key -> Binary,
        to_key -> Binary,
        signed_at -> BigInt,
        from_signature -> Binary,
        to_signature -> Binary,
        received_at -> BigInt,
    }
}

diesel::table! {
    legal_holds (case_id) {
        case_id -> Text,
        staff_id -> Text,
        since -> BigInt,
    }
}

diesel::joinable!(legal_holds -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    legal_holds,
    root_handovers,
    log_cosignatures,
    web_manifests,
    keyrings,
    cases,
    grants,
    documents,
    challenges,
    sessions,
    log_head,
    log_entries,
    log_nodes,
    log_checkpoints,
    staff_actions
);
