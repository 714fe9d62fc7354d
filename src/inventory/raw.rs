//! groups.yaml exactly as written. Unknown keys are rejected here, so a typo never passes
//! silently; meaning is given to the values by `validate`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    /// Image per group; shorthand for `groups.<group>.image`.
    #[serde(default)]
    pub images: BTreeMap<String, String>,
    /// Shell block core units run; shorthand for `defaults.core_cmd`.
    pub core_cmd: Option<String>,
    /// User variables for templates; shorthand for `defaults.vars`.
    pub vars: Option<BTreeMap<String, serde_yaml::Value>>,
    /// Settings every group starts from.
    #[serde(default)]
    pub defaults: RawSettings,
    /// Settings per group, over `defaults`.
    #[serde(default)]
    pub groups: BTreeMap<String, RawSettings>,
    /// How to reach particular hosts, keyed by the `host` value units use.
    #[serde(default)]
    pub hosts: BTreeMap<String, RawHost>,
    #[serde(default)]
    pub connection: RawConnection,
    #[serde(default)]
    pub releases: RawReleases,
    pub units: Vec<RawUnit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnit {
    pub host: String,
    pub dockers: Vec<String>,
    pub group: StringOrList,
    #[serde(default)]
    pub core: bool,
}

/// Everything a group can set; each key left out falls back to `defaults`, then to jdeploy's
/// default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub image: Option<String>,
    pub core_cmd: Option<String>,
    pub command: Option<StringOrList>,
    pub ports: Option<Vec<String>>,
    pub env: Option<BTreeMap<String, Scalar>>,
    /// Names of environment variables whose values come from this machine, not the file.
    pub secrets: Option<Vec<String>>,
    pub volumes: Option<Vec<String>>,
    pub restart: Option<String>,
    pub stop_timeout: Option<u32>,
    pub labels: Option<BTreeMap<String, Scalar>>,
    pub run_template: Option<String>,
    pub templates: Option<Vec<RawTemplateFile>>,
    pub copy: Option<Vec<RawCopy>>,
    pub vars: Option<BTreeMap<String, serde_yaml::Value>>,
    pub health: Option<RawHealth>,
    pub rollout: Option<RawRollout>,
    pub hooks: Option<super::hooks::RawHooks>,
    pub depends_on: Option<Vec<String>>,
    pub notify: Option<Vec<RawNotify>>,
    /// When deploys may start: `mon-fri 10:00-16:00 Asia/Shanghai`.
    pub windows: Option<Vec<String>>,
    /// Containers found stopped or missing are put back by the server's fleet watch.
    pub heal: Option<bool>,
}

/// A webhook told of what commands do.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    pub url: String,
    pub format: Option<String>,
    pub on: Option<Vec<String>>,
}

/// A Docker health check; durations as `2s`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealth {
    pub cmd: String,
    pub interval: Option<Scalar>,
    pub timeout: Option<Scalar>,
    pub retries: Option<u32>,
    pub start_period: Option<Scalar>,
}

/// How a deploy moves through the group; amounts as `3` or `25%`, durations as `3s`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    pub canary: Option<Scalar>,
    pub batch: Option<Scalar>,
    pub min_healthy: Option<Scalar>,
    pub deadline: Option<Scalar>,
    pub on_failure: Option<String>,
    pub max_failures: Option<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplateFile {
    pub src: String,
    pub dest: String,
    pub mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCopy {
    pub src: String,
    pub dest: String,
    #[serde(default)]
    pub clean: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHost {
    pub tls: Option<RawTls>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    /// A folder holding `ca.pem`, `cert.pem` and `key.pem`, as `DOCKER_CERT_PATH` does.
    pub cert_path: Option<String>,
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
    pub verify: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    pub port: Option<u16>,
    pub timeout: Option<u32>,
    pub parallel: Option<u32>,
    pub max_open: Option<u32>,
    pub request_timeout: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReleases {
    pub keep: Option<u32>,
}

/// `group: product` or `group: [product, test]`; `command: sh /run.sh` or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            StringOrList::One(one) => vec![one],
            StringOrList::Many(many) => many,
        }
    }
}

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringOrListVisitor;

        impl<'de> Visitor<'de> for StringOrListVisitor {
            type Value = StringOrList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(StringOrList::One(value.to_string()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(StringOrList::Many(items))
            }
        }

        deserializer.deserialize_any(StringOrListVisitor)
    }
}

/// A string, number or boolean kept exactly as written (`env`, `labels`): `3.10` stays
/// `3.10` and `010` stays `010`, as the container should see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // serde_yaml hands a plain scalar asked for as a string over as its source text;
        // null (`~`, or nothing) is refused rather than turned into the text "~".
        Option::<String>::deserialize(deserializer)?
            .map(Scalar)
            .ok_or_else(|| de::Error::custom("the value is null; write '' for an empty string"))
    }
}
