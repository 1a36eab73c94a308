package dev.vigil.outputs.http;

/** {@code teams}: Microsoft Teams webhook, a MessageCard per alert coloured by priority. */
public final class TeamsFactory extends BaseFactory {
    public TeamsFactory() {
        super("teams", "Microsoft Teams webhook, a MessageCard per alert coloured by priority",
                http("webhookurl", "activityimage", "outputformat"),
                TeamsSink::create);
    }
}
