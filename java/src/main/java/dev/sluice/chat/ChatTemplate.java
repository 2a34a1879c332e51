package dev.sluice.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.sluice.gguf.GgufMetadata;
import dev.sluice.tokenizer.TokenizerKind;
import dev.sluice.tokenizer.Vocabulary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jinja chat template rendered the way transformers renders it: blocks trimmed and left-stripped,
 * Python's {@code tojson}, {@code raise_exception} and {@code strftime_now}; the variables are
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token} and {@code eos_token}.
 */
public final class ChatTemplate {
    private static final Jinjava JINJAVA = newJinjava();

    private final String source;
    private final String bosToken;
    private final String eosToken;

    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** A template file (the CLI's {@code --chat-template}), with the vocabulary's BOS/EOS texts. */
    public static ChatTemplate fromFile(Path file, Vocabulary vocab) throws IOException {
        return of(Files.readString(file), vocab);
    }

    /** The model's own {@code tokenizer.chat_template}, or the built-in format for its vocabulary when it has none. */
    public static ChatTemplate fromModel(GgufMetadata metadata, Vocabulary vocab) {
        return metadata.getString("tokenizer.chat_template").map(source -> of(source, vocab)).orElseGet(() -> builtinFor(vocab));
    }

    /** A built-in format, with the vocabulary's BOS/EOS texts. */
    public static ChatTemplate builtin(BuiltinTemplate format, Vocabulary vocab) {
        return of(format.source(), vocab);
    }

    /** The built-in format matching a vocabulary: Llama-3 for BPE, Llama-2 for SentencePiece. */
    public static ChatTemplate builtinFor(Vocabulary vocab) {
        return builtin(vocab.kind() == TokenizerKind.BPE ? BuiltinTemplate.LLAMA_3 : BuiltinTemplate.LLAMA_2, vocab);
    }

    /** A template source (such as a model's tokenizer.chat_template), with the vocabulary's BOS/EOS texts. */
    public static ChatTemplate of(String source, Vocabulary vocab) {
        return new ChatTemplate(source, tokenText(vocab, vocab.bosId()), tokenText(vocab, vocab.eosId()));
    }

    private static String tokenText(Vocabulary vocab, int id) {
        return id >= 0 ? vocab.token(id) : "";
    }

    public String source() {
        return source;
    }

    /** Renders a conversation; {@code addGenerationPrompt} opens the assistant's turn. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>();
        context.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(source, context);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ChatTemplateException("the chat template failed: " + e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw fatal(error);
            }
        }
        return result.getOutput();
    }

    /** The template's own raise_exception message if that is what failed, else Jinjava's description. */
    private static ChatTemplateException fatal(TemplateError error) {
        Throwable cause = error.getException();
        while (cause != null) {
            if (cause instanceof ChatTemplateException raised) {
                return raised;
            }
            cause = cause.getCause();
        }
        return new ChatTemplateException("the chat template failed at line " + error.getLineno() + ": " + error.getMessage());
    }

    private static Jinjava newJinjava() {
        LegacyOverrides overrides = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withParseWhitespaceControlStrictly(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(overrides)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerFilter(new TojsonFilter());
        jinjava.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", String.class));
        jinjava.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        return jinjava;
    }

    /** Replaces Jinjava's compact {@code tojson} with Python's spacing (see {@link PythonJson}). */
    private static final class TojsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(value, args.length > 0 ? Integer.parseInt(args[0]) : -1);
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            return PythonJson.dumps(value, indent instanceof Number n ? n.intValue() : -1);
        }
    }
}
