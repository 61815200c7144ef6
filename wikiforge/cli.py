def main(): print("wikiforge: CLI not wired yet")
