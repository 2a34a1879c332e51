package dev.sluice.chat;

/** Chat formats for models whose metadata carries no {@code tokenizer.chat_template}. */
public enum BuiltinTemplate {
    /** Meta's Llama-3 format: a header per turn, each turn closed by {@code <|eot_id|>}. */
    LLAMA_3("""
            {%- for message in messages -%}
            {%- if loop.first -%}{{ bos_token }}{%- endif -%}
            {{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>

            ' + message['content'] | trim + '<|eot_id|>' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{ '<|start_header_id|>assistant<|end_header_id|>

            ' }}{%- endif -%}"""),
    /** Meta's Llama-2 chat format: {@code [INST]} turns, the system prompt folded into the first one. */
    LLAMA_2("""
            {%- for message in messages -%}
            {%- if message['role'] == 'system' -%}
            {%- if not loop.first -%}{{ raise_exception('a system message must come first') }}{%- endif -%}
            {%- elif message['role'] == 'user' -%}
            {%- if loop.index0 == 1 and messages[0]['role'] == 'system' -%}
            {{ bos_token + '[INST] <<SYS>>
            ' + messages[0]['content'] | trim + '
            <</SYS>>

            ' + message['content'] | trim + ' [/INST]' }}
            {%- else -%}{{ bos_token + '[INST] ' + message['content'] | trim + ' [/INST]' }}{%- endif -%}
            {%- elif message['role'] == 'assistant' -%}{{ ' ' + message['content'] | trim + ' ' + eos_token }}
            {%- else -%}{{ raise_exception('unknown role ' + message['role']) }}
            {%- endif -%}
            {%- endfor -%}""");

    private final String source;

    BuiltinTemplate(String source) {
        this.source = source;
    }

    public String source() {
        return source;
    }
}
