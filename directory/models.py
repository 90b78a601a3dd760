"""directory: models arrive with their issue; the app exists so the product's shape is visible."""
