//! Worker configuration: `config/parleywire.toml`, then `PARLEYWIRE_*` environment
//! variables, then command-line flags (each later source wins).
//!
//! The structs below are the configuration reference: every field is documented where
//! it is declared, and `config/parleywire.toml` shows each with its default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::Deserialize;

/// Everything `parleywire run` needs.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Kafka connection, topics and pass-through librdkafka properties.
    pub kafka: KafkaSettings,
    /// Worker behaviour: threads, backpressure, limits, shutdown.
    pub worker: WorkerSettings,
    /// Delivery guarantee.
    pub delivery: DeliverySettings,
    /// Metrics, health and logs.
    pub observe: ObserveSettings,
}

/// Kafka connection and topics.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaSettings {
    /// `bootstrap.servers`: comma-separated host:port list.
    pub brokers: String,
    /// Consumer group id; workers with the same group share the input partitions.
    pub group: String,
    /// Topic the raw articles are read from.
    pub input_topic: String,
    /// Topic the enriched records are written to (one per article, keyed by article id).
    pub output_topic: String,
    /// Dead-letter topic for input that cannot be read.
    pub dlq_topic: String,
    /// Optional topic with one message per event, keyed by event id (empty: off).
    pub events_topic: String,
    /// Output compression: none, gzip, snappy, lz4 or zstd.
    pub compression: String,
    /// Security: TLS and SASL for managed Kafka services.
    pub security: SecuritySettings,
    /// librdkafka properties applied to consumer and producer (e.g. `"socket.keepalive.enable" = "true"`).
    pub properties: BTreeMap<String, String>,
    /// librdkafka properties for the consumer only.
    pub consumer: BTreeMap<String, String>,
    /// librdkafka properties for the producer only.
    pub producer: BTreeMap<String, String>,
}

/// TLS and SASL. Every field maps to the librdkafka property of the same meaning;
/// empty fields are not set.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// `security.protocol`: plaintext, ssl, sasl_plaintext or sasl_ssl.
    pub protocol: String,
    /// `sasl.mechanism`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
    pub sasl_mechanism: String,
    /// `sasl.username`.
    pub sasl_username: String,
    /// `sasl.password` (prefer the `PARLEYWIRE_SASL_PASSWORD` environment variable).
    pub sasl_password: String,
    /// `ssl.ca.location`: CA bundle to verify the brokers.
    pub ssl_ca_location: String,
    /// `ssl.certificate.location`: client certificate for mutual TLS.
    pub ssl_certificate_location: String,
    /// `ssl.key.location`: client key for mutual TLS.
    pub ssl_key_location: String,
    /// `ssl.key.password`.
    pub ssl_key_password: String,
    /// `ssl.endpoint.identification.algorithm`: `https` (verify host names, default) or `none`.
    pub ssl_endpoint_identification: String,
}

/// Worker behaviour.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Enrichment threads; 0 = one per core.
    pub threads: usize,
    /// Most messages consumed but not yet committed-ready; consumption pauses at this bound.
    pub max_in_flight: usize,
    /// Largest input message accepted, in bytes; larger ones are dead-lettered.
    pub max_message_bytes: usize,
    /// Deepest JSON nesting accepted.
    pub max_json_depth: usize,
    /// Input format: auto, json or text.
    pub input_format: String,
    /// How often done offsets are committed, in milliseconds.
    pub commit_interval_ms: u64,
    /// On SIGTERM/Ctrl-C, how long to finish in-flight work before exiting anyway, in seconds.
    pub shutdown_timeout_secs: u64,
    /// Folder with `dictionaries/` and `sentiment/`; files there override the embedded ones.
    pub config_dir: Option<PathBuf>,
    /// Largest dead-letter payload; longer inputs are truncated (headers say so).
    pub dlq_max_payload_bytes: usize,
    /// Pass articles through without enrichment (benchmark baseline for the shell alone).
    pub passthrough: bool,
    /// Benchmark only: records computed beforehand (`parleywire enrich` output), published
    /// for each article in place of enriching it, to measure the full path with enrichment
    /// for free.
    pub replay_records: Option<PathBuf>,
}

/// Delivery guarantee.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// `at-least-once` (default) or `exactly-once` (Kafka transactions).
    pub guarantee: String,
    /// Exactly-once: the producer's `transactional.id`. Keep it stable per worker
    /// instance (a restarted worker reuses it, which aborts its predecessor's open
    /// transaction at once); unique across the instances of the group. Default:
    /// `parleywire-<group>-<host name>`.
    pub transactional_id: String,
    /// Exactly-once: commit a transaction after this many input messages...
    pub transaction_max_messages: usize,
    /// ...or this many milliseconds after it began, whichever comes first.
    pub transaction_interval_ms: u64,
    /// Exactly-once: `transaction.timeout.ms`; the broker aborts a transaction left open
    /// this long by a dead worker.
    pub transaction_timeout_ms: u64,
}

/// Metrics, health and logs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ObserveSettings {
    /// Address of the HTTP server for `/metrics`, `/healthz`, `/readyz` (empty: off).
    pub metrics_addr: String,
    /// `human` or `json`.
    pub log_format: String,
    /// librdkafka statistics interval in milliseconds (consumer lag comes from it); 0 = off.
    pub stats_interval_ms: u64,
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            brokers: "127.0.0.1:9092".into(),
            group: "parleywire".into(),
            input_topic: "articles".into(),
            output_topic: "articles.enriched".into(),
            dlq_topic: "articles.dlq".into(),
            events_topic: String::new(),
            compression: "lz4".into(),
            security: SecuritySettings::default(),
            properties: BTreeMap::new(),
            consumer: BTreeMap::new(),
            producer: BTreeMap::new(),
        }
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            threads: 0,
            max_in_flight: 2000,
            max_message_bytes: 4 * 1024 * 1024,
            max_json_depth: 64,
            input_format: "auto".into(),
            commit_interval_ms: 1000,
            shutdown_timeout_secs: 30,
            config_dir: None,
            dlq_max_payload_bytes: 900 * 1024,
            passthrough: false,
            replay_records: None,
        }
    }
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            guarantee: "at-least-once".into(),
            transactional_id: String::new(),
            transaction_max_messages: 1000,
            transaction_interval_ms: 100,
            transaction_timeout_ms: 10_000,
        }
    }
}

impl Default for ObserveSettings {
    fn default() -> Self {
        ObserveSettings {
            metrics_addr: "127.0.0.1:9464".into(),
            log_format: "human".into(),
            stats_interval_ms: 5000,
        }
    }
}

/// The delivery guarantee, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarantee {
    /// Offsets committed after outputs are acknowledged; replays may duplicate.
    AtLeastOnce,
    /// Outputs and offsets commit atomically in Kafka transactions.
    ExactlyOnce,
}

impl Settings {
    /// Read a TOML file. A missing file is an error only when `required`.
    pub fn from_file(path: &Path, required: bool) -> anyhow::Result<Settings> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("invalid configuration in {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Settings::default())
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Apply `PARLEYWIRE_*` environment variables: the documented names for the main
    /// settings, and `PARLEYWIRE_KAFKA_<PROPERTY>` for any librdkafka property
    /// (`PARLEYWIRE_KAFKA_SASL_USERNAME` sets `sasl.username`).
    pub fn apply_env<I: IntoIterator<Item = (String, String)>>(
        &mut self,
        vars: I,
    ) -> anyhow::Result<()> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("PARLEYWIRE_") else {
                continue;
            };
            let num = |v: &str| -> anyhow::Result<u64> {
                v.trim()
                    .parse()
                    .with_context(|| format!("{name}: not a number: {v:?}"))
            };
            match key {
                "BROKERS" => self.kafka.brokers = value,
                "GROUP" => self.kafka.group = value,
                "INPUT_TOPIC" => self.kafka.input_topic = value,
                "OUTPUT_TOPIC" => self.kafka.output_topic = value,
                "DLQ_TOPIC" => self.kafka.dlq_topic = value,
                "EVENTS_TOPIC" => self.kafka.events_topic = value,
                "COMPRESSION" => self.kafka.compression = value,
                "SECURITY_PROTOCOL" => self.kafka.security.protocol = value,
                "SASL_MECHANISM" => self.kafka.security.sasl_mechanism = value,
                "SASL_USERNAME" => self.kafka.security.sasl_username = value,
                "SASL_PASSWORD" => self.kafka.security.sasl_password = value,
                "SSL_CA_LOCATION" => self.kafka.security.ssl_ca_location = value,
                "METRICS_ADDR" => self.observe.metrics_addr = value,
                "LOG_FORMAT" => self.observe.log_format = value,
                "GUARANTEE" => self.delivery.guarantee = value,
                "TRANSACTIONAL_ID" => self.delivery.transactional_id = value,
                "TRANSACTION_MAX_MESSAGES" => {
                    self.delivery.transaction_max_messages = num(&value)? as usize
                }
                "TRANSACTION_INTERVAL_MS" => self.delivery.transaction_interval_ms = num(&value)?,
                "TRANSACTION_TIMEOUT_MS" => self.delivery.transaction_timeout_ms = num(&value)?,
                "THREADS" => self.worker.threads = num(&value)? as usize,
                "MAX_IN_FLIGHT" => self.worker.max_in_flight = num(&value)? as usize,
                "MAX_MESSAGE_BYTES" => self.worker.max_message_bytes = num(&value)? as usize,
                "SHUTDOWN_TIMEOUT_SECS" => self.worker.shutdown_timeout_secs = num(&value)?,
                "COMMIT_INTERVAL_MS" => self.worker.commit_interval_ms = num(&value)?,
                "STATS_INTERVAL_MS" => self.observe.stats_interval_ms = num(&value)?,
                "INPUT_FORMAT" => self.worker.input_format = value,
                "CONFIG_DIR" => self.worker.config_dir = Some(PathBuf::from(value)),
                _ => {
                    if let Some(prop) = key.strip_prefix("KAFKA_") {
                        let prop = prop.to_ascii_lowercase().replace('_', ".");
                        self.kafka.properties.insert(prop, value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Check values that librdkafka would otherwise reject late or silently.
    pub fn validate(&self) -> anyhow::Result<()> {
        let guarantee = self.guarantee()?;
        if self.kafka.input_topic.is_empty() || self.kafka.output_topic.is_empty() {
            bail!("input and output topics must be set");
        }
        if self.kafka.dlq_topic.is_empty() {
            bail!("a dead-letter topic must be set: bad input is never dropped");
        }
        if self.worker.max_in_flight == 0 {
            bail!("worker.max_in_flight must be at least 1");
        }
        let d = &self.delivery;
        if matches!(guarantee, Guarantee::ExactlyOnce)
            && d.transaction_interval_ms >= d.transaction_timeout_ms
        {
            bail!(
                "delivery.transaction_interval_ms ({}) must be below delivery.transaction_timeout_ms ({}): \
                 the broker would abort every transaction",
                d.transaction_interval_ms,
                d.transaction_timeout_ms
            );
        }
        match self.worker.input_format.as_str() {
            "auto" | "json" | "text" => {}
            other => bail!("worker.input_format must be auto, json or text, not {other:?}"),
        }
        match self.observe.log_format.as_str() {
            "human" | "json" => {}
            other => bail!("observe.log_format must be human or json, not {other:?}"),
        }
        let s = &self.kafka.security;
        if !s.protocol.is_empty() {
            match s.protocol.to_ascii_lowercase().as_str() {
                "plaintext" | "ssl" | "sasl_plaintext" | "sasl_ssl" => {}
                other => bail!("kafka.security.protocol {other:?}: expected plaintext, ssl, sasl_plaintext or sasl_ssl"),
            }
        }
        if !s.sasl_mechanism.is_empty() {
            match s.sasl_mechanism.to_ascii_uppercase().as_str() {
                "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER" => {}
                other => bail!("kafka.security.sasl_mechanism {other:?}: expected PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"),
            }
            if !s.protocol.to_ascii_lowercase().starts_with("sasl") {
                bail!("kafka.security.sasl_mechanism is set but protocol is {:?}: use sasl_ssl (or sasl_plaintext)", s.protocol);
            }
        }
        Ok(())
    }

    /// The parsed delivery guarantee.
    pub fn guarantee(&self) -> anyhow::Result<Guarantee> {
        match self.delivery.guarantee.as_str() {
            "at-least-once" | "at_least_once" => Ok(Guarantee::AtLeastOnce),
            "exactly-once" | "exactly_once" => Ok(Guarantee::ExactlyOnce),
            other => {
                bail!("delivery.guarantee must be at-least-once or exactly-once, not {other:?}")
            }
        }
    }

    /// librdkafka properties shared by consumer and producer: brokers, security, pass-through.
    pub fn common_properties(&self) -> BTreeMap<String, String> {
        let mut p = BTreeMap::new();
        p.insert("bootstrap.servers".to_string(), self.kafka.brokers.clone());
        let s = &self.kafka.security;
        let mut set = |k: &str, v: &str| {
            if !v.is_empty() {
                p.insert(k.to_string(), v.to_string());
            }
        };
        set("security.protocol", &s.protocol);
        set("sasl.mechanism", &s.sasl_mechanism);
        set("sasl.username", &s.sasl_username);
        set("sasl.password", &s.sasl_password);
        set("ssl.ca.location", &s.ssl_ca_location);
        set("ssl.certificate.location", &s.ssl_certificate_location);
        set("ssl.key.location", &s.ssl_key_location);
        set("ssl.key.password", &s.ssl_key_password);
        set(
            "ssl.endpoint.identification.algorithm",
            &s.ssl_endpoint_identification,
        );
        for (k, v) in &self.kafka.properties {
            p.insert(k.clone(), v.clone());
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses_and_validates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/parleywire.toml");
        let s = Settings::from_file(&path, true).unwrap();
        s.validate().unwrap();
    }

    #[test]
    fn env_overrides_file_and_passes_properties_through() {
        let mut s: Settings = toml::from_str("[kafka]\nbrokers = \"a:1\"\ngroup = \"g\"").unwrap();
        s.apply_env([
            ("PARLEYWIRE_BROKERS".to_string(), "b:2".to_string()),
            (
                "PARLEYWIRE_KAFKA_SOCKET_TIMEOUT_MS".to_string(),
                "5000".to_string(),
            ),
            ("PARLEYWIRE_MAX_IN_FLIGHT".to_string(), "7".to_string()),
            ("OTHER".to_string(), "x".to_string()),
        ])
        .unwrap();
        assert_eq!(s.kafka.brokers, "b:2");
        assert_eq!(s.kafka.group, "g");
        assert_eq!(s.worker.max_in_flight, 7);
        assert_eq!(s.common_properties()["socket.timeout.ms"], "5000");
        assert!(s
            .apply_env([("PARLEYWIRE_THREADS".into(), "many".into())])
            .is_err());
    }

    #[test]
    fn sasl_scram_over_tls_maps_to_librdkafka() {
        let s: Settings = toml::from_str(
            "[kafka.security]\nprotocol = \"sasl_ssl\"\nsasl_mechanism = \"SCRAM-SHA-512\"\nsasl_username = \"u\"\nsasl_password = \"p\"\nssl_ca_location = \"/etc/ca.pem\"",
        )
        .unwrap();
        s.validate().unwrap();
        let p = s.common_properties();
        assert_eq!(p["security.protocol"], "sasl_ssl");
        assert_eq!(p["sasl.mechanism"], "SCRAM-SHA-512");
        assert_eq!(p["ssl.ca.location"], "/etc/ca.pem");
        let bad: Settings =
            toml::from_str("[kafka.security]\nprotocol = \"ssl\"\nsasl_mechanism = \"PLAIN\"")
                .unwrap();
        assert!(bad.validate().is_err());
        assert!(toml::from_str::<Settings>("[kafka]\nbrokerz = \"x\"").is_err());
    }

    #[test]
    fn exactly_once_needs_transactions_to_commit_within_their_timeout() {
        let mut s = Settings::default();
        s.apply_env([
            ("PARLEYWIRE_GUARANTEE".into(), "exactly-once".into()),
            ("PARLEYWIRE_TRANSACTION_TIMEOUT_MS".into(), "3000".into()),
        ])
        .unwrap();
        assert_eq!(s.delivery.transaction_timeout_ms, 3000);
        s.validate().unwrap();
        s.delivery.transaction_interval_ms = 3000;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("transaction_interval_ms"), "{e}");
        s.delivery.guarantee = "at-least-once".into();
        s.validate().expect("no transactions at least once");
    }
}
