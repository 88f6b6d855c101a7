//! Email: building the multipart message and sending it through the configured SMTP server.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use lettre::message::{Mailbox, MultiPart, header};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Planned, Rendered};
use crate::config::{SmtpConfig, SmtpSecurity};

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("SMTP password: environment variable {0} (smtp.password_env) is not set")]
    MissingPassword(String),
    #[error("SMTP server {host}:{port}: {message}")]
    Smtp {
        host: String,
        port: u16,
        message: String,
    },
}

/// The message: plain text and HTML alternatives, the digest's Message-ID, dated by the clock.
pub fn message(
    smtp: &SmtpConfig,
    planned: &Planned,
    rendered: &Rendered,
    now: DateTime<Utc>,
) -> Result<Message, anyhow::Error> {
    let mut builder = Message::builder()
        .from(smtp.from.0.clone())
        .subject(rendered.subject.clone())
        .message_id(Some(planned.message_id.clone()))
        .date(SystemTime::from(now))
        .header(header::MIME_VERSION_1_0);
    for r in &planned.recipients {
        let to: Mailbox = r
            .parse()
            .map_err(|e| anyhow::anyhow!("recipient {r:?}: {e}"))?;
        builder = builder.to(to);
    }
    Ok(builder.multipart(MultiPart::alternative_plain_html(
        rendered.text.clone(),
        rendered.html.clone(),
    ))?)
}

/// Sends one message. The password is read from the environment here, used, and never logged.
pub async fn send(smtp: &SmtpConfig, message: Message) -> Result<(), SendError> {
    let port = smtp.port();
    let fail = |e: &dyn std::fmt::Display| SendError::Smtp {
        host: smtp.host.clone(),
        port,
        message: e.to_string(),
    };
    let builder = match smtp.security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| fail(&e))?,
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(|e| fail(&e))?
        }
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
    };
    let mut builder = builder
        .port(port)
        .timeout(Some(Duration::from_secs(smtp.timeout_secs)));
    if let Some(user) = &smtp.username {
        let password = match &smtp.password_env {
            Some(var) => std::env::var(var).map_err(|_| SendError::MissingPassword(var.clone()))?,
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| fail(&e))
}
