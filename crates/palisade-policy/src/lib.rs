//! Policy bundles and verdicts for images.
