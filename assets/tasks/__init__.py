"""Tasks line assets: crawled pages to TaskMaps, filtered, augmented and indexed."""
