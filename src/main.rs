//! The `parleywire` command line: parses arguments, builds configuration, calls the library.

use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use parleywire::article::{decode, DecodeLimits, InputFormat};
use parleywire::enrich::{Context, Enricher};
use parleywire::settings::Settings;

/// mimalloc: the core makes many small, short-lived allocations (measured in `cargo bench
/// --bench enrich`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "parleywire",
    version,
    about = "Kafka-native negotiation and diplomatic event extraction for news"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the streaming worker: consume articles, publish enriched records.
    Run(RunArgs),
    /// Run the worker on an embedded Kafka mock cluster over sample articles (or FILE's).
    Demo {
        /// Articles to use instead of the built-in samples (JSON lines, ninjs or text).
        file: Option<PathBuf>,
        /// Print only the summary, not the JSON records.
        #[arg(long)]
        summary_only: bool,
    },
    /// Enrich articles from files or stdin: one JSON record per input line, in order.
    Enrich(EnrichArgs),
    /// Publish files or folders of articles (JSON lines, ninjs, text) to the input topic.
    Ingest(IngestArgs),
    /// Print records or events from the output or events topic, with filters.
    Tail(TailArgs),
    /// Print the JSON Schema of the output record (or, with --events, of event messages).
    Schema {
        /// The schema of messages on the events topic instead.
        #[arg(long)]
        events: bool,
        /// The field reference (Markdown) of both schemas instead.
        #[arg(long)]
        fields: bool,
    },
    /// Score the enrichment core against a gold file.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Event gold in the format of events_dev.jsonl: type and dyad P/R/F1, CAMEO root accuracy.
    Events(EvalArgs),
    /// SemEval-2007 TSV (Pearson r) or NewsMTSC JSONL (targeted macro-F1).
    Sentiment(EvalArgs),
}

/// Kafka connection shared by every command: the configuration file and environment,
/// overridden by flags.
#[derive(Args)]
struct KafkaArgs {
    /// Configuration file (TOML; see config/parleywire.toml).
    #[arg(
        long,
        short = 'c',
        env = "PARLEYWIRE_CONFIG",
        default_value = "config/parleywire.toml"
    )]
    config: PathBuf,
    /// Kafka bootstrap servers.
    #[arg(long)]
    brokers: Option<String>,
    /// librdkafka property, repeatable: -X key=value.
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    property: Vec<String>,
}

#[derive(Args)]
struct IngestArgs {
    #[command(flatten)]
    kafka: KafkaArgs,
    /// Topic to publish to (default: the configured input topic).
    #[arg(long)]
    topic: Option<String>,
    /// Read every file as one plain-text article.
    #[arg(long)]
    text: bool,
    /// Publish at most this many articles per second.
    #[arg(long)]
    rate: Option<f64>,
    /// Files and folders (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct TailArgs {
    #[command(flatten)]
    kafka: KafkaArgs,
    /// Topic to read (default: the configured output topic).
    #[arg(long)]
    topic: Option<String>,
    /// Read the configured events topic instead of the output topic.
    #[arg(long)]
    events: bool,
    /// Start: latest, earliest, or an RFC 3339 time.
    #[arg(long, default_value = "latest")]
    from: String,
    /// Only events of these PLOVER types (repeatable).
    #[arg(long = "type")]
    types: Vec<String>,
    /// Only events with an actor whose code starts with, or name contains, this.
    #[arg(long)]
    actor: Option<String>,
    /// Only events located in, or with an actor of, this ISO alpha-3 country.
    #[arg(long)]
    country: Option<String>,
    /// Only events at least this confident.
    #[arg(long, default_value_t = 0.0)]
    min_confidence: f64,
    /// Stop after this many records.
    #[arg(long)]
    max: Option<usize>,
    /// Stop after this many seconds without a message.
    #[arg(long)]
    idle_exit: Option<f64>,
    /// JSON lines (the default when stdout is not a terminal).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct EvalArgs {
    /// The gold file.
    file: PathBuf,
    /// Folder with dictionaries/ and sentiment/ overriding the embedded ones.
    #[arg(long)]
    config_dir: Option<PathBuf>,
}

#[derive(Args)]
struct EnrichArgs {
    /// Input files (default: stdin). One article per line unless --text.
    files: Vec<PathBuf>,
    /// Each file is one plain-text article (first line headline, rest body).
    #[arg(long)]
    text: bool,
    /// Folder with dictionaries/ and sentiment/ overriding the embedded ones.
    #[arg(long)]
    config_dir: Option<PathBuf>,
    /// Processing time to stamp (RFC 3339); default now. Fix it for reproducible output.
    #[arg(long)]
    processed_at: Option<String>,
    /// Pretty-print the JSON (one record spans several lines).
    #[arg(long)]
    pretty: bool,
}

/// Flags of `parleywire run`; each also reads a `PARLEYWIRE_*` variable.
#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    kafka: KafkaArgs,
    /// Consumer group id.
    #[arg(long)]
    group: Option<String>,
    /// Input topic.
    #[arg(long)]
    input_topic: Option<String>,
    /// Output topic.
    #[arg(long)]
    output_topic: Option<String>,
    /// Dead-letter topic.
    #[arg(long)]
    dlq_topic: Option<String>,
    /// Events topic (one message per event).
    #[arg(long)]
    events_topic: Option<String>,
    /// Metrics/health HTTP address ("" to disable).
    #[arg(long)]
    metrics_addr: Option<String>,
    /// Delivery guarantee: at-least-once or exactly-once.
    #[arg(long)]
    guarantee: Option<String>,
    /// Log as JSON lines.
    #[arg(long)]
    log_json: bool,
    /// Skip enrichment: the shell alone (benchmark baseline).
    #[arg(long)]
    passthrough: bool,
    /// Benchmark: publish the record of each article from this file (`parleywire enrich`
    /// output, by article id) instead of enriching it: the full path with enrichment for free.
    #[arg(long, value_name = "FILE")]
    replay_records: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Demo { file, summary_only } => {
            parleywire::pipeline::demo::run(file.as_deref(), summary_only)
        }
        Command::Enrich(args) => enrich(args),
        Command::Ingest(args) => ingest(args),
        Command::Tail(args) => tail(args),
        Command::Schema { events, fields } => {
            if fields {
                print!("{}", parleywire::schema::fields_document());
            } else if events {
                println!("{}", parleywire::schema::event_json_schema());
            } else {
                println!("{}", parleywire::schema::json_schema());
            }
            Ok(())
        }
        Command::Eval { what } => eval(what),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parleywire: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn settings_for(args: &RunArgs) -> anyhow::Result<Settings> {
    let mut s = kafka_settings(&args.kafka)?;
    let set = |slot: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            *slot = v.clone();
        }
    };
    set(&mut s.kafka.group, &args.group);
    set(&mut s.kafka.input_topic, &args.input_topic);
    set(&mut s.kafka.output_topic, &args.output_topic);
    set(&mut s.kafka.dlq_topic, &args.dlq_topic);
    set(&mut s.kafka.events_topic, &args.events_topic);
    set(&mut s.observe.metrics_addr, &args.metrics_addr);
    set(&mut s.delivery.guarantee, &args.guarantee);
    if args.log_json {
        s.observe.log_format = "json".into();
    }
    if args.passthrough {
        s.worker.passthrough = true;
    }
    if let Some(f) = &args.replay_records {
        s.worker.replay_records = Some(f.clone());
    }
    s.validate()?;
    Ok(s)
}

/// Kafka settings shared by every command: file, environment, then flags.
fn kafka_settings(args: &KafkaArgs) -> anyhow::Result<Settings> {
    let explicit = std::env::var_os("PARLEYWIRE_CONFIG").is_some()
        || args.config != Path::new("config/parleywire.toml");
    let mut s = Settings::from_file(&args.config, explicit)?;
    s.apply_env(std::env::vars())?;
    if let Some(b) = &args.brokers {
        s.kafka.brokers = b.clone();
    }
    for kv in &args.property {
        let (k, v) = kv
            .split_once('=')
            .with_context(|| format!("-X {kv}: expected KEY=VALUE"))?;
        s.kafka
            .properties
            .insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(s)
}

fn client_config(s: &Settings) -> rdkafka::ClientConfig {
    let mut cfg = rdkafka::ClientConfig::new();
    for (k, v) in s.common_properties() {
        cfg.set(k, v);
    }
    cfg
}

fn ingest(args: IngestArgs) -> anyhow::Result<()> {
    let s = kafka_settings(&args.kafka)?;
    let topic = args
        .topic
        .clone()
        .unwrap_or_else(|| s.kafka.input_topic.clone());
    let (items, problems) = parleywire::ingest::read_inputs(&args.paths, args.text);
    for p in &problems {
        eprintln!("ingest: cannot read {}: {}", p.location, p.reason);
    }
    let mut cfg = client_config(&s);
    cfg.set("enable.idempotence", "true")
        .set("linger.ms", "20")
        .set("compression.type", "lz4");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let report = runtime.block_on(parleywire::ingest::publish(&cfg, &topic, &items, args.rate))?;
    eprintln!(
        "ingest: {} articles published to {topic}, {} unreadable, {} failed",
        report.published,
        problems.len(),
        report.failed
    );
    if report.failed > 0 {
        anyhow::bail!(
            "{} articles were not acknowledged by the broker",
            report.failed
        );
    }
    Ok(())
}

fn tail(args: TailArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let s = kafka_settings(&args.kafka)?;
    let topic = match (&args.topic, args.events) {
        (Some(t), _) => t.clone(),
        (None, true) if !s.kafka.events_topic.is_empty() => s.kafka.events_topic.clone(),
        (None, true) => anyhow::bail!("--events: no events topic configured; give --topic"),
        (None, false) => s.kafka.output_topic.clone(),
    };
    let stdout = std::io::stdout();
    let json = args.json || !stdout.is_terminal();
    let opts = parleywire::tail::TailOptions {
        config: client_config(&s),
        topic,
        start: args.from.parse()?,
        filter: parleywire::tail::Filter {
            types: args.types,
            actor: args.actor,
            country: args.country,
            min_confidence: args.min_confidence,
        },
        max: args.max,
        idle_exit: args.idle_exit.map(std::time::Duration::from_secs_f64),
        json,
    };
    let mut out = stdout.lock();
    parleywire::tail::run(opts, &mut out)?;
    Ok(())
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let settings = settings_for(&args)?;
    parleywire::observe::init_logging(&settings.observe.log_format);
    let enricher = load_enricher(settings.worker.config_dir.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(parleywire::pipeline::run_until_signal(settings, enricher));
    // A blocking task can outlive the worker: closing the Kafka clients runs on one, with a
    // timeout, and `rd_kafka_destroy` can hang when the brokers vanish. Dropping the
    // runtime would wait for it forever; a worker that is done must exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}

fn load_enricher(config_dir: Option<&Path>) -> anyhow::Result<Enricher> {
    let sources = match config_dir {
        Some(dir) => parleywire::dictionaries::load(dir)?,
        None => parleywire::dictionaries::embedded(),
    };
    Ok(Enricher::new(&sources)?)
}

fn eval(what: EvalCommand) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match what {
        EvalCommand::Events(a) => {
            let enricher = load_enricher(a.config_dir.as_deref())?;
            parleywire::eval::events::run(&a.file, &enricher, &mut out)
        }
        EvalCommand::Sentiment(a) => {
            let enricher = load_enricher(a.config_dir.as_deref())?;
            parleywire::eval::sentiment::run(&a.file, &enricher, &mut out)
        }
    }
}

fn enrich(args: EnrichArgs) -> anyhow::Result<()> {
    let enricher = load_enricher(args.config_dir.as_deref())?;
    let ctx = Context {
        processed_at: args
            .processed_at
            .clone()
            .unwrap_or_else(parleywire::observe::now_rfc3339),
        kafka: None,
    };
    let limits = DecodeLimits::default();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let emit = |bytes: &[u8],
                line: usize,
                format: InputFormat,
                out: &mut dyn Write|
     -> std::io::Result<()> {
        let json = match decode(bytes, None, format, &limits) {
            Ok(article) => {
                let record = enricher.enrich(&article, &ctx);
                if args.pretty {
                    serde_json::to_vec_pretty(&record).expect("records always serialize")
                } else {
                    record.to_json()
                }
            }
            Err(e) => serde_json::json!({"error": {"line": line, "reason": e.reason(), "message": e.to_string()}})
                .to_string()
                .into_bytes(),
        };
        out.write_all(&json)?;
        out.write_all(b"\n")
    };
    let read_lines = |reader: &mut dyn BufRead,
                      line_no: &mut usize,
                      out: &mut dyn Write|
     -> anyhow::Result<()> {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                return Ok(());
            }
            *line_no += 1;
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            emit(&buf, *line_no, InputFormat::Json, out)?;
        }
    };
    let mut line_no = 0usize;
    if args.files.is_empty() {
        let stdin = std::io::stdin();
        if args.text {
            let mut all = Vec::new();
            stdin.lock().read_to_end(&mut all)?;
            emit(&all, 1, InputFormat::Text, &mut out)?;
        } else {
            read_lines(&mut stdin.lock(), &mut line_no, &mut out)?;
        }
    }
    for path in &args.files {
        if args.text {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            line_no += 1;
            emit(&bytes, line_no, InputFormat::Text, &mut out)?;
        } else {
            let file =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            read_lines(&mut std::io::BufReader::new(file), &mut line_no, &mut out)?;
        }
    }
    out.flush()?;
    Ok(())
}
