"""A test plugin for a Tanzi that does not exist yet."""

from sdk import PluginManifest

manifest = PluginManifest(id="future", name="Future", version="1.0.0", requires_tanzi=">=99")
