//! The dashboard's one stylesheet, one script and icon, embedded in the binary. Pages
//! name them with a hash of their content, so they can be cached for a year and a new
//! binary's are fetched anew.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset {
        name: "dashboard.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("assets/dashboard.css"),
    },
    Asset {
        name: "dashboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("assets/dashboard.js"),
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        body: include_str!("assets/icon.svg"),
    },
];

/// Where the pages find each asset: `/assets/dashboard.css?v=<hash>`.
#[derive(Debug, Clone, Serialize)]
pub struct AssetPaths {
    pub css: String,
    pub js: String,
    pub icon: String,
}

static PATHS: LazyLock<AssetPaths> = LazyLock::new(|| AssetPaths {
    css: path(&ASSETS[0]),
    js: path(&ASSETS[1]),
    icon: path(&ASSETS[2]),
});

pub fn paths() -> AssetPaths {
    PATHS.clone()
}

fn path(asset: &Asset) -> String {
    let digest = Sha256::digest(asset.body.as_bytes());
    let hash: String = digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("/assets/{}?v={hash}", asset.name)
}

/// `GET /assets/{name}`: the version in the query only tells caches apart.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => (
            [
                (CONTENT_TYPE, asset.content_type),
                (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
