//! The otpauth URI as an inline SVG QR code (the `qrcode` crate), for the enrollment page.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An `<svg>` element, or `None` if the URI does not fit a QR code.
pub fn svg(uri: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(192, 192)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration: the SVG sits inside HTML.
    let start = image.find("<svg")?;
    Some(image[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"QR code\"", 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_an_svg_for_an_otpauth_uri() {
        let out = super::svg("otpauth://totp/Gatehouse:a%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse")
            .expect("svg");
        assert!(out.starts_with("<svg role=\"img\"") && out.contains("<path"), "{out}");
    }
}
