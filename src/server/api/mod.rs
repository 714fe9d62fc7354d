//! The REST API under `/api/v1`: one file per resource, each handler a thin call into
//! the application layer, described for the OpenAPI document as it is routed.

pub mod bodies;
pub mod groups;
pub mod history;
pub mod jobs;
mod locks;
mod logs;
pub mod me;
pub mod requests;
pub mod runs;
mod status;
pub mod watch;

use axum::Json;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::state::Shared;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "jdeploy",
        description = "Deploy long-lived Docker containers to groups of hosts from one groups.yaml"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Every route of the API, and the document describing them.
pub fn router() -> (axum::Router<Shared>, utoipa::openapi::OpenApi) {
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(groups::list))
        .routes(routes!(status::status))
        .routes(routes!(runs::plan))
        .routes(routes!(runs::deploy))
        .routes(routes!(runs::rollback))
        .routes(routes!(runs::restart))
        .routes(routes!(history::list))
        .routes(routes!(history::show))
        .routes(routes!(logs::logs))
        .routes(routes!(locks::status))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::show))
        .routes(routes!(jobs::events))
        .routes(routes!(watch::events))
        .routes(routes!(requests::file))
        .routes(routes!(requests::list))
        .routes(routes!(requests::approve))
        .routes(routes!(requests::reject))
        .routes(routes!(me::me))
        .routes(routes!(me::audit))
        .split_for_parts();
    api.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    let document = api.clone();
    let router = router.route(
        "/openapi.json",
        axum::routing::get(move || async move { Json(document.clone()) }),
    );
    (router, api)
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
