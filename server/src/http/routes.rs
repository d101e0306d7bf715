//! The route table of docs/protocol.md, in one place. Every unmatched path is a JSON 404,
//! every unmatched method on a known path a JSON 405 (through `error::json_errors`).

use actix_web::web;

use super::handlers as h;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The log as C2SP tlog-tiles, at the server's root: any tiles client can follow it.
    cfg.service(web::resource("/checkpoint").route(web::get().to(h::tlog_checkpoint)))
        .service(web::resource("/tile/{path:.*}").route(web::get().to(h::tlog_tile)));
    cfg.service(
        web::scope("/v1")
            .service(web::resource("/health").route(web::get().to(h::health)))
            .service(web::resource("/web/manifest").route(web::post().to(h::post_web_manifest)))
            .service(web::resource("/root/handover").route(web::post().to(h::post_root_handover)))
            .service(web::resource("/root/handovers").route(web::get().to(h::get_root_handovers)))
            .configure(super::uploads::configure)
            .configure(super::limits::configure)
            .service(
                web::resource("/keyring")
                    .route(web::get().to(h::get_keyring))
                    .route(web::post().to(h::post_keyring)),
            )
            .service(
                web::resource("/cases")
                    .route(web::get().to(h::list_cases))
                    .route(web::post().to(h::create_case)),
            )
            .service(
                web::resource("/keyring/{version}").route(web::get().to(h::get_keyring_version)),
            )
            .service(web::resource("/cases/{case}").route(web::get().to(h::case_detail)))
            .service(
                web::resource("/cases/{case}/acknowledgements")
                    .route(web::post().to(h::acknowledge)),
            )
            // Read by the case's own session or a granted reviewer; written by the former
            // (its documents) or the latter (notes and replies).
            .service(
                web::resource("/cases/{case}/documents/{doc}")
                    .route(web::get().to(h::download))
                    .route(web::put().to(h::upload)),
            )
            // Collaboration (issue 4): the complainant's return, reviewers working together.
            .service(web::resource("/me").route(web::get().to(h::me)))
            .service(web::resource("/me/withdraw").route(web::post().to(h::withdraw)))
            .service(web::resource("/cases/{case}/status").route(web::post().to(h::set_status)))
            .service(web::resource("/cases/{case}/assignee").route(web::post().to(h::set_assignee)))
            .service(web::resource("/cases/{case}/hold").route(web::post().to(h::set_hold)))
            .service(
                web::resource("/cases/{case}/grants/{staff}").route(web::put().to(h::put_grant)),
            )
            .service(web::resource("/cases/{case}/activity").route(web::get().to(h::activity)))
            .service(web::resource("/log/checkpoint").route(web::get().to(h::log_checkpoint)))
            .service(web::resource("/log/entries").route(web::get().to(h::log_entries)))
            .service(web::resource("/log/proof/inclusion").route(web::get().to(h::log_inclusion)))
            .service(
                web::resource("/log/proof/consistency").route(web::get().to(h::log_consistency)),
            )
            .service(web::resource("/auth/challenge").route(web::post().to(h::challenge)))
            .service(
                web::resource("/auth/session")
                    .route(web::post().to(h::open_session))
                    .route(web::delete().to(h::close_session)),
            ),
    );
}
