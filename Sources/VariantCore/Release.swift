/// This build's release: `varde --version`, the Beacon's `/info`, the OpenAPI document and the Debian package
/// (scripts/build-deb.sh reads it here). Raised with every release whose store or API changed; the store's own
/// compatibility is by migration ids, not by this number (fixtures/upgrade keeps a store of the previous release).
public enum Release {
    public static let version = "0.2.0"
}
