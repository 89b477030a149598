"""The local Marketplace emulator (not marketplace.visualstudio.com): gallery and Extension Management
routes that adoext and tfx-cli publish to in the tests, over real HTTP on 127.0.0.1."""
