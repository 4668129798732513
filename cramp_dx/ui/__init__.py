"""The desktop app. The only package allowed to import Qt: it shows and collects, the core
decides (engine), stores (services) and prints (report)."""
