DROP TABLE web_manifests;
