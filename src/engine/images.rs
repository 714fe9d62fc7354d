//! Images on an engine: which one a name points at, and loading a `docker save` archive.

use bollard::query_parameters::ImportImageOptionsBuilder;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;

use super::docker::DockerEngine;
use super::error::EngineError;

/// An image archive on its way, chunk by chunk.
pub type ByteStream = BoxStream<'static, std::io::Result<Bytes>>;

impl DockerEngine {
    pub(super) async fn image_id_of(&self, name: &str) -> Result<Option<String>, EngineError> {
        match self.client.inspect_image(name).await {
            Ok(image) => Ok(image.id),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(err) => Err(self.fail(err, name)),
        }
    }

    pub(super) async fn load(&self, archive: ByteStream) -> Result<(), EngineError> {
        let options = ImportImageOptionsBuilder::default().quiet(true).build();
        let mut answers = self.client.import_image_stream(options, archive, None);
        while let Some(answer) = answers.next().await {
            answer.map_err(|err| self.fail(err, "-"))?;
        }
        Ok(())
    }

    /// The image as `docker save` writes it, streamed from the engine.
    pub fn export(&self, name: &str) -> ByteStream {
        let name = name.to_string();
        let client = self.client.clone();
        Box::pin(
            client
                .export_image(&name)
                .map(|chunk| chunk.map_err(std::io::Error::other)),
        )
    }
}
