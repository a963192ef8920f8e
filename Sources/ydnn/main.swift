print("ydnn")
