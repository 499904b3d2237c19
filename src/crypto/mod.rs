//! Sealing secrets at rest (AES-256-GCM).

pub mod seal;

use base64::Engine;
use seal::Sealer;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error("secret_key must be base64 of 32 bytes")]
    Invalid,
    #[error("cannot read or write {path}: {source}")]
    File { path: String, source: std::io::Error },
}

/// The sealing key: from configuration, or generated once into `<data_dir>/secret.key` so a
/// local `make run` needs no setup. Production deployments should configure it.
pub fn load_sealer(configured: Option<&str>, data_dir: &Path) -> Result<Sealer, SecretKeyError> {
    if let Some(encoded) = configured {
        return Sealer::from_base64(encoded).map_err(|_| SecretKeyError::Invalid);
    }
    let path = data_dir.join("secret.key");
    let io = |source| SecretKeyError::File {
        path: path.display().to_string(),
        source,
    };
    if !path.exists() {
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        std::fs::write(&path, base64::engine::general_purpose::STANDARD.encode(key)).map_err(io)?;
        tracing::warn!(path = %path.display(), "generated a secret key; set GATEHOUSE_SECRET_KEY in production");
    }
    let encoded = std::fs::read_to_string(&path).map_err(io)?;
    Sealer::from_base64(encoded.trim()).map_err(|_| SecretKeyError::Invalid)
}
