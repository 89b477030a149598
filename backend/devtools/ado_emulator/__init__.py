"""The local Azure DevOps emulator (not Azure DevOps): REST, location service, service hooks, a control
surface for faults. The app is app.py, its state state.py, the server thread and process server.py."""
